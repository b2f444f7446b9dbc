/* libFuzzer target: arbitrary bytes -> selrt_program_load -> session -> run.
 *
 *   clang-19 -fsanitize=fuzzer,address,undefined ... core + kernels + table + this file
 *
 * Every input is copied into a 16-aligned block of exactly its size, so
 * AddressSanitizer flags any read past the end of the program. Programs that
 * load are run on an arena filled with the input's last byte (zero for most
 * real programs; mutations reach the extremes, e.g. 0x80 = int8 -128, that
 * integer accumulator bounds must cover): the verifier's promise is that a
 * program it accepts cannot make any kernel touch memory outside the arena
 * and the program bytes, or overflow, whatever the inputs hold. Arenas above 1 MiB are not run (only loaded), to keep each
 * execution fast; the bounds logic does not depend on the arena's size.
 */
#define _POSIX_C_SOURCE 200112L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "selrt.h"

#define FUZZ_MAX_ARENA ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  void *copy = NULL;
  if (posix_memalign(&copy, SELRT_ARENA_ALIGN, size ? size : 1) != 0) return 0;
  if (size) memcpy(copy, data, size);
  selrt_program *p = NULL;
  selrt_error err;
  /* Not zeros: a message builder that forgot the terminator must show. */
  memset(&err, 0x7f, sizeof err);
  if (selrt_program_load(copy, size, &p, &err) == SELRT_OK) {
    size_t a = selrt_arena_size(p);
    void *arena = NULL;
    if (a <= FUZZ_MAX_ARENA && posix_memalign(&arena, SELRT_ARENA_ALIGN, a ? a : 1) == 0) {
      memset(arena, size ? data[size - 1] : 0, a);
      selrt_session *s = NULL;
      if (selrt_session_create(p, arena, a, &s) == SELRT_OK) {
        /* Run twice: the second run starts from the first's activations
         * (non-zero values), as in an app calling run in a loop. */
        selrt_run(s);
        selrt_run(s);
        selrt_session_free(s);
      }
      free(arena);
    }
    selrt_program_free(p);
  } else if (!memchr(err.message, 0, sizeof err.message)) {
    __builtin_trap(); /* the message builder must always NUL-terminate */
  }
  free(copy);
  return 0;
}
