// SPDX-License-Identifier: GPL-2.0
/*
 * usdt-probes N [wait]: fires the USDT probe tap_test:hit N times, with the
 * arguments i (an int in a register), -2 * i (a long in memory) and the
 * constant 5; and fires tap_test:guarded, whose semaphore tells whether
 * anybody listens, only when it says so.  Prints how many times that was.
 * With "wait", it first waits for SIGUSR1 (its handler is installed
 * first, so a test can tell when to send it), so that a tracer can attach
 * to the running process with -p.
 *
 * The notes are written here by hand, in the format sys/sdt.h writes
 * (SystemTap's "stapsdt" ELF notes, version 3), because the machines that
 * run the tests need not have systemtap-sdt-dev (and Debian's package
 * lists here do not carry it): a note per probe site in .note.stapsdt
 * with the site's address, the address of _.stapsdt.base (to undo
 * prelinking) and of the semaphore, then the provider, the name and the
 * operands as the assembler prints them ("SIZE@LOCATION", a negative
 * size for a signed value).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_SDT(provider, name, semaphore, args, ...)					\
	do { __asm__ __volatile__(								\
		"990:	nop\n"								\
		"	.pushsection .note.stapsdt,\"\",\"note\"\n"			\
		"	.balign 4\n"							\
		"	.4byte 992f-991f, 994f-993f, 3\n"				\
		"991:	.asciz \"stapsdt\"\n"						\
		"992:	.balign 4\n"							\
		"993:	.8byte 990b\n"							\
		"	.8byte _.stapsdt.base\n"					\
		"	.8byte " semaphore "\n"						\
		"	.asciz \"" provider "\"\n"					\
		"	.asciz \"" name "\"\n"						\
		"	.asciz \"" args "\"\n"						\
		"994:	.balign 4\n"							\
		"	.popsection\n"							\
		"	.ifndef _.stapsdt.base\n"					\
		"	.pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
		"	.weak _.stapsdt.base\n"						\
		"	.hidden _.stapsdt.base\n"					\
		"_.stapsdt.base: .space 1\n"						\
		"	.size _.stapsdt.base, 1\n"					\
		"	.popsection\n"							\
		"	.endif\n"							\
		: : __VA_ARGS__); } while (0)

/* The kernel counts it up while a uprobe with it as ref_ctr_offset is attached. */
__attribute__((section(".probes"), used)) volatile unsigned short tap_test_guarded_semaphore;

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 3, listened = 0;

	if (argc > 2 && !strcmp(argv[2], "wait")) {
		sigset_t block, old;

		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigprocmask(SIG_BLOCK, &block, &old);
		signal(SIGUSR1, on_usr1);
		while (!go)
			sigsuspend(&old);
	}

	for (long i = 0; i < n; i++) {
		volatile long neg = -2 * i;

		TAP_SDT("tap_test", "hit", "0", "-4@%0 -8@%1 4@$5", "r"((int)i), "m"(neg));
		if (tap_test_guarded_semaphore) {
			TAP_SDT("tap_test", "guarded", "tap_test_guarded_semaphore", "8@%0",
				"r"(i * 100));
			listened++;
		}
	}
	printf("listened %ld\n", listened);
	return 0;
}
