/* See selrt_pool.h. A job is published by bumping `gen` (release) after its
 * fields are set; every worker claims task indices with an atomic counter
 * and checks out (`busy`; the last one signals `done`) when none are left,
 * and the caller returns only when all workers have checked out, so no
 * worker still reads a job when the next one is written. */
#include "selrt_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Polls before a worker (for the next job) or the caller (for the workers)
 * sleeps on a condition variable: a few microseconds, so that a loaded
 * machine's CPUs go to other work instead of spinning or sched_yield calls. */
#define SELRT_POOL_SPIN 4000

struct selrt_pool {
  pthread_mutex_t mu;
  pthread_cond_t wake;   /* a new job (or stop) */
  pthread_cond_t done;   /* the last worker checked out */
  pthread_t *threads;
  int n_workers;
  atomic_uint gen;       /* job generation; changed under mu */
  atomic_int stop;
  atomic_int next;       /* next task index to claim */
  atomic_int busy;       /* workers not yet done with the current job */
  selrt_task_fn task;    /* the job: written before gen is bumped */
  void *task_ctx;
  int32_t n_tasks;
};

static void selrt_pool_work(selrt_pool *p) {
  int32_t i;
  while ((i = atomic_fetch_add(&p->next, 1)) < p->n_tasks) p->task(p->task_ctx, i);
}

static void *selrt_pool_main(void *arg) {
  selrt_pool *p = (selrt_pool *)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned g = atomic_load(&p->gen);
    for (int spin = 0; g == seen && !atomic_load(&p->stop) && spin < SELRT_POOL_SPIN; spin++)
      g = atomic_load(&p->gen);
    if (g == seen && !atomic_load(&p->stop)) {
      pthread_mutex_lock(&p->mu);
      while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->mu);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) return NULL;
    seen = g;
    selrt_pool_work(p);
    if (atomic_fetch_sub(&p->busy, 1) == 1) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
}

int selrt_pool_create(int n_threads, selrt_pool **out) {
  if (!out || n_threads < 1 || n_threads > 1024) return -1;
  *out = NULL;
  selrt_pool *p = (selrt_pool *)calloc(1, sizeof *p);
  if (!p) return -1;
  p->threads = (pthread_t *)calloc((size_t)n_threads, sizeof(pthread_t));
  if (!p->threads || pthread_mutex_init(&p->mu, NULL) != 0) {
    free(p->threads);
    free(p);
    return -1;
  }
  if (pthread_cond_init(&p->wake, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
    return -1;
  }
  if (pthread_cond_init(&p->done, NULL) != 0) {
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
    return -1;
  }
  atomic_init(&p->gen, 0);
  atomic_init(&p->stop, 0);
  atomic_init(&p->next, 0);
  atomic_init(&p->busy, 0);
  for (int i = 0; i < n_threads - 1; i++) {
    if (pthread_create(&p->threads[i], NULL, selrt_pool_main, p) != 0) break;
    p->n_workers++;
  }
  if (p->n_workers != n_threads - 1) {
    selrt_pool_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

void selrt_pool_free(selrt_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_workers; i++) pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->wake);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->mu);
  free(p->threads);
  free(p);
}

void selrt_pool_parallel(void *ctx, selrt_task_fn task, void *task_ctx, int32_t n_tasks) {
  selrt_pool *p = (selrt_pool *)ctx;
  if (n_tasks <= 0) return;
  if (p->n_workers == 0 || n_tasks == 1) {
    for (int32_t i = 0; i < n_tasks; i++) task(task_ctx, i);
    return;
  }
  p->task = task;
  p->task_ctx = task_ctx;
  p->n_tasks = n_tasks;
  atomic_store(&p->next, 0);
  atomic_store(&p->busy, p->n_workers);
  pthread_mutex_lock(&p->mu);
  atomic_fetch_add(&p->gen, 1);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  selrt_pool_work(p);
  for (int spin = 0; atomic_load(&p->busy) > 0 && spin < SELRT_POOL_SPIN; spin++) {
  }
  pthread_mutex_lock(&p->mu);
  while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
