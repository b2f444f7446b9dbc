/* right_shift.i32: elementwise x >> y, numpy broadcasting (shared/binary.h).
 * The count is clamped to 0..31 as LiteRT does: a negative count shifts by 0,
 * one past the width by 31 (so a negative x gives -1, others 0). */
#include "../shared/binary.h"

static inline int32_t selrt_right_shift_i32_of(int32_t x, int32_t y) {
  const int c = y < 0 ? 0 : (y > 31 ? 31 : (int)y);
  return x < 0 ? (int32_t)~(~x >> c) : (int32_t)(x >> c);   /* arithmetic, without C's implementation-defined >> of a negative */
}

SELRT_BINARY(right_shift, i32, int32_t, SELRT_I32, int32_t, SELRT_I32, selrt_right_shift_i32_of(x, y));
