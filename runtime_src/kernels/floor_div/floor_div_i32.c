/* floor_div.i32: y = floor(a / b) for int32. C division truncates toward
 * zero: step down when the signs differ and there is a remainder. b == 0 and
 * INT32_MIN / -1 would trap (or be undefined) in C; a program cannot be
 * proven free of them at load, so they give 0 and INT32_MIN */
#include "../shared/binary.h"

static inline int32_t selrt_floor_div_i32_of(int32_t x, int32_t y) {
  if (y == 0) return 0;
  if (y == -1) return (int32_t)(0u - (uint32_t)x); /* wraps INT32_MIN to itself, no UB */
  const int32_t q = x / y;
  return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}

SELRT_BINARY(floor_div, i32, int32_t, SELRT_I32, int32_t, SELRT_I32, selrt_floor_div_i32_of(x, y));
