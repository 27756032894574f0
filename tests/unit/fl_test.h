/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_test.h - a minimal unit-test harness for fraglab's portable core.
 *
 * One test program = one test_*.c file that includes this header once:
 *
 *	#include "fl_test.h"
 *
 *	TEST(seed_example)
 *	{
 *		CHECK(x == 1);
 *		CHECK_EQ(fl_buddy_free(b, idx), 0);
 *		REQUIRE(b != NULL);	// stops this test on failure
 *	}
 *
 * Tests run in file order.  Each prints "PASS name (t s)" or "FAIL name";
 * every failed check prints "  file:line: expression [values]".  A test
 * also fails if fl_warn_count grew while it ran (fl_warn_once fired).
 * The program ends with one machine-readable line, summed by run.sh:
 *
 *	RESULT <prog> passed=N failed=M warnings=W
 *
 * and exits 1 if anything failed.  "./test_x name..." runs only the tests
 * whose names contain one of the arguments.
 *
 * A test that runs longer than FL_TEST_TIMEOUT seconds (environment;
 * default 120, 0 = no limit) is a hang, not a slow pass: it prints
 * "FAIL name (timed out ...)" and the RESULT line with it counted as
 * failed, and the program exits 1 (the rest of its tests do not run).  Define FL_TEST_NO_MAIN to
 * provide your own main() (then call fl_test_main()).
 */
#ifndef FL_TEST_H
#define FL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fl_port.h"
#include "fl_port_user.h"

#define FL_TEST_MAX	512

struct fl_test_case {
	const char *name;
	void (*fn)(void);
};

static struct fl_test_case fl_tests[FL_TEST_MAX];
static int fl_nr_tests;
static int fl_test_failures;	/* failed checks in the current test */

static inline void fl_test_register(const char *name, void (*fn)(void))
{
	if (fl_nr_tests >= FL_TEST_MAX) {
		fprintf(stderr, "fl_test: too many tests\n");
		abort();
	}
	fl_tests[fl_nr_tests].name = name;
	fl_tests[fl_nr_tests].fn = fn;
	fl_nr_tests++;
}

#define TEST(name)							\
	static void fl_test_fn_##name(void);				\
	__attribute__((constructor)) static void fl_test_reg_##name(void) \
	{								\
		fl_test_register(#name, fl_test_fn_##name);		\
	}								\
	static void fl_test_fn_##name(void)

#define FL_TEST_FAIL(...) do {						\
	fl_test_failures++;						\
	fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
} while (0)

/* Record a failure and go on. */
#define CHECK(cond) do {						\
	if (!(cond))							\
		FL_TEST_FAIL("CHECK(%s) failed", #cond);		\
} while (0)

/* Integer equality; both sides are evaluated once, printed on failure. */
#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b)							\
		FL_TEST_FAIL("CHECK_EQ(%s, %s) failed: %lld != %lld",	\
			     #a, #b, __a, __b);				\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *__a = (a), *__b = (b);				\
	if (strcmp(__a, __b))						\
		FL_TEST_FAIL("CHECK_STR(%s, %s) failed:\n    got  \"%s\"\n" \
			     "    want \"%s\"", #a, #b, __a, __b);	\
} while (0)

/* Record a failure and leave the test function. */
#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		FL_TEST_FAIL("REQUIRE(%s) failed", #cond);		\
		return;							\
	}								\
} while (0)

static inline double fl_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The randomized tests' generator: xorshift64*, one state per program.
 * fl_test_seed() sets it from $FL_SEED, or @dflt, and returns the seed so
 * a test can print it (a failure is replayed with the same FL_SEED).
 */
static u64 fl_test_rng_state = 0x5eed5eedULL;

static inline u64 fl_test_rand(void)
{
	fl_test_rng_state ^= fl_test_rng_state >> 12;
	fl_test_rng_state ^= fl_test_rng_state << 25;
	fl_test_rng_state ^= fl_test_rng_state >> 27;
	return fl_test_rng_state * 0x2545F4914F6CDD1DULL;
}

static inline u64 fl_test_seed(u64 dflt)
{
	const char *s = getenv("FL_SEED");

	fl_test_rng_state = s ? strtoull(s, NULL, 0) : dflt;
	return fl_test_rng_state;
}

static inline int fl_test_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

/* What the timeout handler reports (set by fl_test_main()). */
static const char *fl_test_prog;
static const char *fl_test_current;
static int fl_test_passed, fl_test_failed;
static unsigned int fl_test_timeout_s;

/*
 * SIGALRM: the current test hangs (a list cycle, a lock never released).
 * The main thread is stuck in the test, so stdio's buffers are flushed
 * (line-buffered) and idle; format once and write(2) it.
 */
static void fl_test_alarm(int sig)
{
	char buf[512];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf),
		     "FAIL %s (timed out after %u s: a hang; FL_TEST_TIMEOUT)\n"
		     "RESULT %s passed=%d failed=%d warnings=%lu\n",
		     fl_test_current, fl_test_timeout_s, fl_test_prog,
		     fl_test_passed, fl_test_failed + 1, fl_warn_count);
	if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) < 0)
		n = 0;
	_exit(1);
}

static inline void fl_test_timeout_init(void)
{
	const char *env = getenv("FL_TEST_TIMEOUT");

	fl_test_timeout_s = env ? (unsigned int)strtoul(env, NULL, 10) : 120;
	if (fl_test_timeout_s)
		signal(SIGALRM, fl_test_alarm);
}

static inline int fl_test_main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fl_test_prog = prog;
	fl_test_timeout_init();
	for (i = 0; i < fl_nr_tests; i++) {
		unsigned long warn0 = fl_warn_count;
		double t0;

		if (!fl_test_selected(fl_tests[i].name, argc, argv))
			continue;
		fl_test_failures = 0;
		fl_fail_reset();
		fl_test_current = fl_tests[i].name;
		fl_test_passed = passed;
		fl_test_failed = failed;
		t0 = fl_test_now();
		alarm(fl_test_timeout_s);
		fl_tests[i].fn();
		alarm(0);
		fl_fail_reset();
		if (fl_warn_count != warn0)
			FL_TEST_FAIL("fl_warn_once fired %lu time(s)",
				     fl_warn_count - warn0);
		fflush(stderr);
		if (fl_test_failures) {
			printf("FAIL %s (%d failed checks)\n", fl_tests[i].name,
			       fl_test_failures);
			failed++;
		} else {
			printf("PASS %s (%.2fs)\n", fl_tests[i].name,
			       fl_test_now() - t0);
			passed++;
		}
	}
	printf("RESULT %s passed=%d failed=%d warnings=%lu\n", prog, passed,
	       failed, fl_warn_count);
	return failed || fl_warn_count ? 1 : 0;
}

#ifndef FL_TEST_NO_MAIN
int main(int argc, char **argv)
{
	return fl_test_main(argc, argv);
}
#endif

#endif /* FL_TEST_H */
