/* right_shift.i8: elementwise x >> y, numpy broadcasting (shared/binary.h).
 * The count is clamped to 0..7 as LiteRT does: a negative count shifts by 0,
 * one past the width by 7 (so a negative x gives -1, others 0). */
#include "../shared/binary.h"

static inline int8_t selrt_right_shift_i8_of(int8_t x, int8_t y) {
  const int c = y < 0 ? 0 : (y > 7 ? 7 : (int)y);
  return x < 0 ? (int8_t)~(~x >> c) : (int8_t)(x >> c);   /* arithmetic, without C's implementation-defined >> of a negative */
}

SELRT_BINARY(right_shift, i8, int8_t, SELRT_I8, int8_t, SELRT_I8, selrt_right_shift_i8_of(x, y));
