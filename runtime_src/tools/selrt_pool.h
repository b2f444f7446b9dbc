/* selrt_pool: an optional parallel-for for hosts with pthreads, for
 * selrt_session_set_parallel (runtimes built with `threads: N`). Not part of
 * the runtime library: an app (or selrt_run --threads) compiles
 * tools/selrt_pool.c itself and links -pthread.
 *
 *   selrt_pool *pool;  selrt_pool_create(2, &pool);      2 = the caller + 1 worker
 *   selrt_session_set_parallel(s, selrt_pool_parallel, pool, 2);
 *   ... selrt_run(s) ...
 *   selrt_pool_free(pool);                                after the last run
 *
 * selrt_pool_parallel runs the tasks on the calling thread and the workers;
 * workers spin briefly between jobs (a network's nodes come microseconds
 * apart), then sleep. One pool serves one selrt_run at a time. */
#ifndef SELRT_POOL_H
#define SELRT_POOL_H

#include "selrt.h"

typedef struct selrt_pool selrt_pool;

/* n_threads >= 1 counts the caller; 0 on success, -1 (nothing created) if not. */
int selrt_pool_create(int n_threads, selrt_pool **out);
void selrt_pool_free(selrt_pool *pool);
/* A selrt_parallel_fn: ctx is the selrt_pool. */
void selrt_pool_parallel(void *ctx, selrt_task_fn task, void *task_ctx, int32_t n_tasks);

#endif
