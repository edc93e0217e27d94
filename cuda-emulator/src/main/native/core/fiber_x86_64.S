// emu_fiber_switch(void** save_sp, void* next_sp): saves the callee-saved registers on the current stack, stores its
// pointer in *save_sp, and resumes the stack next_sp (System V x86-64). No system call, unlike swapcontext: a block of
// 1024 CUDA threads switches tens of thousands of times per launch. MXCSR and the x87 control word are not switched:
// no kernel changes rounding modes, and every fiber starts with the launching thread's.
    .text
    .globl emu_fiber_switch
    .hidden emu_fiber_switch
    .type emu_fiber_switch, @function
emu_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_fiber_switch, .-emu_fiber_switch

// First entry of a fiber: emu_fiber_switch "returns" here with the function in r13 and its argument in r12.
    .globl emu_fiber_start
    .hidden emu_fiber_start
    .type emu_fiber_start, @function
emu_fiber_start:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size emu_fiber_start, .-emu_fiber_start
    .section .note.GNU-stack,"",@progbits
