/* selrt_session_set_parallel's contract (tests/test_threads.py): bad
 * arguments are refused, kernels never ask for more than 4 * min(max_tasks,
 * SELRT_THREADS) tasks, and fn = NULL runs serially. The parallel-for here
 * runs the tasks in reverse order on the calling thread (any order must do).
 * Prints "ok max=<most tasks asked> calls=<parallel-fors>"; exit 1 on a failure. */
#include <stdio.h>
#include <stdlib.h>

#include "selrt.h"

typedef struct counter {
  int calls, max;
} counter;

static void reverse_for(void *ctx, selrt_task_fn task, void *task_ctx, int32_t n) {
  counter *c = (counter *)ctx;
  c->calls++;
  if (n > c->max) c->max = n;
  for (int32_t i = n - 1; i >= 0; i--) task(task_ctx, i);
}

static int fail(const char *what) {
  printf("fail %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) return fail("usage: threads_api PROGRAM MAX_TASKS");
  FILE *f = fopen(argv[1], "rb");
  if (!f) return fail("open");
  static unsigned char buf[1 << 20] __attribute__((aligned(16)));
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  selrt_program *p;
  if (selrt_program_load(buf, n, &p, NULL) != SELRT_OK) return fail("load");
  void *arena = aligned_alloc(SELRT_ARENA_ALIGN, (selrt_arena_size(p) + 15) / 16 * 16 + 16);
  selrt_session *s;
  if (selrt_session_create(p, arena, selrt_arena_size(p) + 16, &s) != SELRT_OK) return fail("session");
  counter c = {0, 0};
  if (selrt_session_set_parallel(NULL, reverse_for, &c, 2) != SELRT_ERR_INVALID_ARG) return fail("null session");
  if (selrt_session_set_parallel(s, reverse_for, &c, 0) != SELRT_ERR_INVALID_ARG) return fail("0 tasks");
  if (selrt_session_set_parallel(s, reverse_for, &c, -5) != SELRT_ERR_INVALID_ARG) return fail("-5 tasks");
  if (selrt_session_set_parallel(s, reverse_for, &c, atoi(argv[2])) != SELRT_OK) return fail("set");
  if (selrt_run(s) != SELRT_OK) return fail("run");
  const int calls = c.calls, max = c.max;
  if (selrt_session_set_parallel(s, NULL, NULL, 1) != SELRT_OK) return fail("unset");
  if (selrt_run(s) != SELRT_OK || c.calls != calls) return fail("serial run called the parallel-for");
  printf("ok max=%d calls=%d\n", max, calls);
  selrt_session_free(s);
  selrt_program_free(p);
  free(arena);
  return 0;
}
