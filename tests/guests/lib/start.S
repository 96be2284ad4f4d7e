/* SPDX-License-Identifier: MIT */
/*
 * Test-guest entry. The runtime starts every VP here in 64-bit mode at CPL0
 * with RDI = VP index and RSI = VP count (see runtime/boot/boot.h). CPL0 code
 * is emulated on some hosts, so this does the least it can: pick this VP's
 * kernel stack and hand over to guest_cpl0_init, which drops to CPL3.
 */
#define KSTACK_SIZE 8192

	.section .text.start, "ax"
	.globl _start
_start:
	lea	guest_kstacks(%rip), %rsp
	mov	%rdi, %rax
	inc	%rax
	shl	$13, %rax		/* (vp + 1) * KSTACK_SIZE */
	add	%rax, %rsp
	call	guest_cpl0_init
1:	hlt
	jmp	1b

/* guest_enter_user(rip, rsp, rdi): iretq to CPL3, IF=0. IOPL=3 is asked for,
 * but port access at CPL3 comes from the TSS I/O bitmap (see guest.c). */
	.text
	.globl guest_enter_user
guest_enter_user:
	push	$0x1b			/* SS: user data | RPL3 */
	push	%rsi			/* RSP */
	push	$0x3002			/* RFLAGS: IOPL=3, reserved bit 1 */
	push	$0x23			/* CS: user code64 | RPL3 */
	push	%rdi			/* RIP */
	mov	%rdx, %rdi
	iretq

/* Interrupt and exception stubs, 16 bytes apart: push a dummy error code
 * where the CPU pushes none, push the vector, join the common path. */
	.balign 16
	.globl guest_trap_stubs
guest_trap_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	guest_trap_common
	vec = vec + 1
	.endr

guest_trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	call	guest_trap
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

/* MSR accesses that may fault: the #GP handler resumes at the fixup with
 * RAX = ~0 (read) and the result -1. See guest_trap. */
	.globl guest_rdmsr_safe_insn, guest_rdmsr_safe_fixup
	.globl guest_rdmsr_safe
guest_rdmsr_safe:			/* int guest_rdmsr_safe(uint32_t msr, uint64_t *val) */
	mov	%edi, %ecx
	mov	%rsi, %r8
	xor	%r9d, %r9d
guest_rdmsr_safe_insn:
	rdmsr
guest_rdmsr_safe_fixup:
	shl	$32, %rdx
	mov	%eax, %eax
	or	%rdx, %rax
	mov	%rax, (%r8)
	mov	%r9d, %eax
	ret

	.globl guest_wrmsr_safe_insn, guest_wrmsr_safe_fixup
	.globl guest_wrmsr_safe
guest_wrmsr_safe:			/* int guest_wrmsr_safe(uint32_t msr, uint64_t val) */
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
	xor	%r9d, %r9d
guest_wrmsr_safe_insn:
	wrmsr
guest_wrmsr_safe_fixup:
	mov	%r9d, %eax
	ret

	.section .note.GNU-stack, "", @progbits
