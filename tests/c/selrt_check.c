/* Test driver for the loader: loads (and runs) programs in-process so that
 * negative tests over hundreds of mutated programs need one process, and
 * ASan sees every byte read (each candidate is copied into a malloc block of
 * exactly its size).
 *
 *   selrt_check FILE               load, print "status=<n> message=<m>", run on zeros
 *   selrt_check --offset K FILE    load from bytes + K (alignment test)
 *   selrt_check --truncate FILE    load every proper prefix; print how many loaded
 *                                  and the shortest that did
 *   selrt_check --batch FILE...    load (and run) each; print "<file> status=<n> ran=<0|1>"
 *   selrt_check --mutate N SEED FILE
 *                                  N deterministic random byte mutations, each
 *                                  loaded and, if it loads, run; print counts
 *
 * A leading `--fill B` runs on an arena filled with byte B instead of zeros:
 * 0x80 makes every int8 input -128, the extreme an accumulator bound must
 * cover (a zeroed arena hides integer overflow in kernels).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selrt.h"

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)size + 1);
  if (fread(b, 1, (size_t)size, f) != (size_t)size) exit(3);
  fclose(f);
  *n = (size_t)size;
  return b;
}

/* Loads a copy of exactly n bytes (16-aligned: glibc and ASan malloc are). On
 * success runs it with an arena of `fill` bytes, capped so hostile sizes stay cheap. */
static selrt_status try_one(const unsigned char *src, size_t n, int fill, selrt_error *err, int *ran) {
  unsigned char *copy = malloc(n ? n : 1);
  if (n) memcpy(copy, src, n);
  selrt_program *p = NULL;
  selrt_status st = selrt_program_load(copy, n, &p, err);
  *ran = 0;
  if (st == SELRT_OK) {
    size_t a = selrt_arena_size(p);
    if (a <= ((size_t)64 << 20)) {
      void *arena = malloc(a ? a : 1);
      memset(arena, fill, a);
      selrt_session *s = NULL;
      if (selrt_session_create(p, arena, a, &s) == SELRT_OK) {
        selrt_run(s);
        *ran = 1;
        selrt_session_free(s);
      }
      free(arena);
    }
    selrt_program_free(p);
  }
  free(copy);
  return st;
}

static uint64_t rng(uint64_t *s) { /* xorshift64*: deterministic across platforms */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

int main(int argc, char **argv) {
  selrt_error err;
  int ran, fill = 0;
  size_t n;
  if (argc >= 3 && strcmp(argv[1], "--fill") == 0) {
    fill = (int)strtol(argv[2], NULL, 0) & 0xff;
    argc -= 2;
    argv += 2;
  }
  if (argc == 2) {
    unsigned char *b = slurp(argv[1], &n);
    if (!b) return 3;
    selrt_status st = try_one(b, n, fill, &err, &ran);
    printf("status=%d ran=%d message=%s\n", (int)st, ran, st == SELRT_OK ? "" : err.message);
    free(b);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "--offset") == 0) {
    unsigned char *b = slurp(argv[3], &n);
    size_t k = (size_t)atoi(argv[2]);
    unsigned char *raw = malloc(n + 32);
    unsigned char *al = (unsigned char *)(((uintptr_t)raw + 15) & ~(uintptr_t)15);
    memcpy(al + k, b, n);
    selrt_program *p = NULL;
    selrt_status st = selrt_program_load(al + k, n, &p, &err);
    printf("status=%d message=%s\n", (int)st, st == SELRT_OK ? "" : err.message);
    selrt_program_free(p);
    free(raw);
    free(b);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "--truncate") == 0) {
    unsigned char *b = slurp(argv[2], &n);
    size_t loaded = 0, shortest = n;
    for (size_t len = 0; len < n; len++)
      if (try_one(b, len, fill, &err, &ran) == SELRT_OK) {
        loaded++;
        if (len < shortest) shortest = len;
      }
    /* Dropping trailing padding no field refers to leaves a valid program. */
    printf("tried=%zu loaded=%zu shortest=%zu\n", n, loaded, shortest);
    free(b);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "--batch") == 0) {
    for (int i = 2; i < argc; i++) {
      unsigned char *b = slurp(argv[i], &n);
      if (!b) return 3;
      selrt_status st = try_one(b, n, fill, &err, &ran);
      printf("%s status=%d ran=%d\n", argv[i], (int)st, ran);
      free(b);
    }
    return 0;
  }
  if (argc == 5 && strcmp(argv[1], "--mutate") == 0) {
    long count = atol(argv[2]);
    uint64_t seed = (uint64_t)atoll(argv[3]) * 0x9E3779B97F4A7C15ull + 1;
    unsigned char *b = slurp(argv[4], &n);
    unsigned char *m = malloc(n);
    long loaded = 0, runs = 0;
    for (long i = 0; i < count; i++) {
      memcpy(m, b, n);
      int edits = 1 + (int)(rng(&seed) % 4);
      for (int e = 0; e < edits; e++) {
        size_t pos = (size_t)(rng(&seed) % n);
        uint64_t r = rng(&seed);
        /* Mix of bit flips, small deltas and "interesting" values. */
        static const unsigned char special[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0x10};
        switch (r % 3) {
          case 0: m[pos] ^= (unsigned char)(1u << ((r >> 8) % 8)); break;
          case 1: m[pos] = (unsigned char)(m[pos] + (int)((r >> 8) % 9) - 4); break;
          default: m[pos] = special[(r >> 8) % sizeof special]; break;
        }
      }
      if (try_one(m, n, fill, &err, &ran) == SELRT_OK) loaded++;
      runs += ran;
    }
    printf("mutations=%ld loaded=%ld ran=%ld\n", count, loaded, runs);
    free(m);
    free(b);
    return 0;
  }
  fprintf(stderr, "usage: see the comment at the top of selrt_check.c\n");
  return 2;
}
