/* floor_mod.i32: the int32 remainder with the sign of b; b == 0 gives 0
 * and b == -1 gives 0 (INT32_MIN % -1 traps in C) */
#include "../shared/binary.h"

static inline int32_t selrt_floor_mod_i32_of(int32_t x, int32_t y) {
  if (y == 0 || y == -1) return 0;
  const int32_t r = x % y;
  return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

SELRT_BINARY(floor_mod, i32, int32_t, SELRT_I32, int32_t, SELRT_I32, selrt_floor_mod_i32_of(x, y));
