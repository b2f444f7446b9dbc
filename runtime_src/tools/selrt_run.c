/* selrt_run: loads a .selrt program, feeds raw input files, runs it, writes
 * raw output files. Used by `selbuild run/verify` on the host and, linked
 * against the ARM builds, under qemu-user. Depends only on selrt.h and libc
 * (stdio is fine here: this is a tool, not the library).
 *
 *   selrt_run PROGRAM.selrt IN_DIR OUT_DIR [--repeat N | --frames N]
 *
 * IN_DIR/input_<i>.bin must hold exactly the bytes of input i (dtype and
 * shape as the program says); OUT_DIR/output_<i>.bin is written per output.
 * With --repeat N the program runs N times and the tool prints
 * `latency_ms min=<x> median=<y>`. With --frames N (streaming models, whose
 * resource variables carry state from run to run) each input file holds N
 * frames one after another; frame k is set and run k of one session done,
 * and each output file gets the N outputs one after another. Threaded
 * runtimes (`threads: N`, compiled with SELRT_THREADS and tools/selrt_pool.c)
 * also take --threads T: the session splits its big kernels across a
 * T-thread selrt_pool (default 1). Errors: `selrt_run: error: <message>` on
 * stderr, exit status 2.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "selrt.h"
#ifdef SELRT_THREADS
#include "selrt_pool.h"
#endif

static int die(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "selrt_run: error: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return 2;
}

/* malloc gives no 16-byte guarantee everywhere (32-bit ARM gives 8), and
 * both the program bytes and the arena must be 16-aligned. */
static void *alloc16(size_t n, void **raw) {
  *raw = malloc(n + SELRT_ARENA_ALIGN);
  if (!*raw) return NULL;
  uintptr_t p = ((uintptr_t)*raw + SELRT_ARENA_ALIGN - 1) & ~(uintptr_t)(SELRT_ARENA_ALIGN - 1);
  return (void *)p;
}

/* Reads a whole file into a 16-aligned buffer. Returns 0 on success. */
static int read_file(const char *path, void **data, void **raw, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  long size = -1;
  if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return -1;
  }
  *data = alloc16((size_t)size, raw);
  if (!*data || fread(*data, 1, (size_t)size, f) != (size_t)size) {
    free(*raw);
    *raw = NULL;
    fclose(f);
    return -1;
  }
  fclose(f);
  *n = (size_t)size;
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Everything main owns, released in one place on every exit path. */
typedef struct state {
  void *raw_prog, *raw_arena, *raw_input;
  void **frames_raw;               /* --frames: every input file, kept for the whole run */
  int n_frames_raw;
  selrt_program *p;
  selrt_session *s;
  double *ms;
  long threads;                    /* --threads (SELRT_THREADS builds) */
  void *pool;                      /* their selrt_pool */
} state;

static int finish(state *st, int rc) {
  selrt_session_free(st->s);
#ifdef SELRT_THREADS
  selrt_pool_free((selrt_pool *)st->pool);
#endif
  selrt_program_free(st->p);
  free(st->raw_arena);
  free(st->raw_prog);
  free(st->raw_input);
  for (int i = 0; i < st->n_frames_raw; i++) free(st->frames_raw[i]);
  free(st->frames_raw);
  free(st->ms);
  return rc;
}

/* --frames: run k of one session on frame k of every input file. */
static int run_frames(state *S, const char *in_dir, const char *out_dir, long frames) {
  int n_in = selrt_num_inputs(S->p), n_out = selrt_num_outputs(S->p);
  char path[4096];
  const uint8_t **data = (const uint8_t **)calloc((size_t)n_in + 1, sizeof *data);
  S->frames_raw = (void **)calloc((size_t)n_in + 1, sizeof(void *));
  if (!data || !S->frames_raw) {
    free(data);
    return die("%s%s", "out of memory", "");
  }
  for (int i = 0; i < n_in; i++) {
    selrt_tensor *t = selrt_input(S->s, i);
    snprintf(path, sizeof path, "%s/input_%d.bin", in_dir, i);
    void *d;
    size_t size;
    if (read_file(path, &d, &S->frames_raw[i], &size) != 0) {
      free(data);
      return die("cannot read %s%s", path, "");
    }
    S->n_frames_raw = i + 1;
    if (size / (size_t)frames != t->bytes || size % (size_t)frames) {
      free(data);
      return die("%s does not hold --frames frames of input '%s'", path, t->name);
    }
    data[i] = (const uint8_t *)d;
  }
  for (long k = 0; k < frames; k++) {
    for (int i = 0; i < n_in; i++) {
      selrt_tensor *t = selrt_input(S->s, i);
      memcpy(t->data, data[i] + (size_t)k * t->bytes, t->bytes);
    }
    selrt_status st = selrt_run(S->s);
    if (st != SELRT_OK) {
      free(data);
      return die("run failed: %s%s", selrt_status_str(st), "");
    }
    for (int i = 0; i < n_out; i++) {
      selrt_tensor *t = selrt_output(S->s, i);
      snprintf(path, sizeof path, "%s/output_%d.bin", out_dir, i);
      FILE *f = fopen(path, k ? "ab" : "wb");
      size_t written = f ? fwrite(t->data, 1, t->bytes, f) : 0;
      if (!f || fclose(f) != 0 || written != t->bytes) {
        free(data);
        return die("cannot write %s%s", path, "");
      }
    }
  }
  free(data);
  return 0;
}

static int run(state *S, const char *prog_path, const char *in_dir, const char *out_dir, long repeat,
               long frames) {
  void *bytes;
  size_t n;
  if (read_file(prog_path, &bytes, &S->raw_prog, &n) != 0) return die("cannot read program '%s'%s", prog_path, "");
  selrt_error err;
  if (selrt_program_load(bytes, n, &S->p, &err) != SELRT_OK) return die("%s: %s", prog_path, err.message);

  size_t arena_bytes = selrt_arena_size(S->p);
  void *arena = alloc16(arena_bytes, &S->raw_arena);
  selrt_status st = arena ? selrt_session_create(S->p, arena, arena_bytes, &S->s) : SELRT_ERR_NO_MEMORY;
  if (st != SELRT_OK) return die("cannot create a session: %s%s", selrt_status_str(st), "");
#ifdef SELRT_THREADS
  if (S->threads > 1) {
    selrt_pool *pool;
    if (selrt_pool_create((int)S->threads, &pool) != 0) return die("%s%s", "cannot start the threads", "");
    S->pool = pool;
    st = selrt_session_set_parallel(S->s, selrt_pool_parallel, pool, (int32_t)S->threads);
    if (st != SELRT_OK) return die("cannot use threads: %s%s", selrt_status_str(st), "");
  }
#endif
  /* Backend partitions that fell back to the CPU (or cannot run): say why. */
  for (int i = 0; i < selrt_num_partitions(S->p); i++)
    if (selrt_session_backend_status(S->s, i, &err) != SELRT_OK)
      fprintf(stderr, "selrt_run: backend: %s\n", err.message);
  if (frames > 0) return run_frames(S, in_dir, out_dir, frames);

  char path[4096], what[64];
  for (int i = 0; i < selrt_num_inputs(S->p); i++) {
    selrt_tensor *t = selrt_input(S->s, i);
    snprintf(path, sizeof path, "%s/input_%d.bin", in_dir, i);
    snprintf(what, sizeof what, "input %d", i);
    void *data;
    size_t size;
    if (read_file(path, &data, &S->raw_input, &size) != 0) {
      S->raw_input = NULL;
      return die("%s: cannot read %s", what, path);
    }
    if (size != t->bytes) {
      char msg[160];
      snprintf(msg, sizeof msg, "has %zu bytes, input %d ('%.40s') needs %zu", size, i, t->name, t->bytes);
      return die("%s %s", path, msg);
    }
    memcpy(t->data, data, size);
    free(S->raw_input);
    S->raw_input = NULL;
  }

  long runs = repeat > 0 ? repeat : 1;
  S->ms = (double *)malloc((size_t)runs * sizeof(double));
  if (!S->ms) return die("%s%s", "out of memory", "");
  for (long r = 0; r < runs; r++) {
    double t0 = now_ms();
    st = selrt_run(S->s);
    S->ms[r] = now_ms() - t0;
    if (st != SELRT_OK) return die("run failed: %s%s", selrt_status_str(st), "");
  }

  for (int i = 0; i < selrt_num_outputs(S->p); i++) {
    selrt_tensor *t = selrt_output(S->s, i);
    snprintf(path, sizeof path, "%s/output_%d.bin", out_dir, i);
    FILE *f = fopen(path, "wb");
    if (!f) return die("cannot write %s%s", path, "");
    size_t written = fwrite(t->data, 1, t->bytes, f);
    if (fclose(f) != 0 || written != t->bytes) return die("cannot write %s%s", path, "");
  }
  if (repeat > 0) {
    qsort(S->ms, (size_t)runs, sizeof(double), cmp_double);
    double median = runs % 2 ? S->ms[runs / 2] : (S->ms[runs / 2 - 1] + S->ms[runs / 2]) / 2;
    printf("latency_ms min=%.4f median=%.4f\n", S->ms[0], median);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *prog_path = NULL, *in_dir = NULL, *out_dir = NULL;
  long repeat = 0, frames = 0, threads = 1;
  for (int i = 1; i < argc; i++) {
#ifdef SELRT_THREADS
    if (strcmp(argv[i], "--threads") == 0) {
      char *end = NULL;
      if (i + 1 >= argc) return die("%s%s", "--threads needs a count", "");
      threads = strtol(argv[++i], &end, 10);
      if (*end || threads < 1 || threads > 256) return die("bad --threads count '%s'%s", argv[i], "");
      continue;
    }
#endif
    if (strcmp(argv[i], "--frames") == 0) {
      char *end = NULL;
      if (i + 1 >= argc) return die("%s%s", "--frames needs a count", "");
      frames = strtol(argv[++i], &end, 10);
      if (*end || frames < 1 || frames > 1000000) return die("bad --frames count '%s'%s", argv[i], "");
    } else if (strcmp(argv[i], "--repeat") == 0) {
      char *end = NULL;
      if (i + 1 >= argc) return die("%s%s", "--repeat needs a count", "");
      repeat = strtol(argv[++i], &end, 10);
      if (*end || repeat < 1 || repeat > 1000000) return die("bad --repeat count '%s'%s", argv[i], "");
    } else if (!prog_path) {
      prog_path = argv[i];
    } else if (!in_dir) {
      in_dir = argv[i];
    } else if (!out_dir) {
      out_dir = argv[i];
    } else {
      return die("unexpected argument '%s'%s", argv[i], "");
    }
  }
  if (!out_dir) return die("%s%s", "usage: selrt_run PROGRAM.selrt IN_DIR OUT_DIR [--repeat N | --frames N]", "");
  if (repeat && frames) return die("%s%s", "--repeat and --frames exclude each other", "");
  state S = {NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, threads, NULL};
  return finish(&S, run(&S, prog_path, in_dir, out_dir, repeat, frames));
}
