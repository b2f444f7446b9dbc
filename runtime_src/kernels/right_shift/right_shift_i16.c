/* right_shift.i16: elementwise x >> y, numpy broadcasting (shared/binary.h).
 * The count is clamped to 0..15 as LiteRT does: a negative count shifts by 0,
 * one past the width by 15 (so a negative x gives -1, others 0). */
#include "../shared/binary.h"

static inline int16_t selrt_right_shift_i16_of(int16_t x, int16_t y) {
  const int c = y < 0 ? 0 : (y > 15 ? 15 : (int)y);
  return x < 0 ? (int16_t)~(~x >> c) : (int16_t)(x >> c);   /* arithmetic, without C's implementation-defined >> of a negative */
}

SELRT_BINARY(right_shift, i16, int16_t, SELRT_I16, int16_t, SELRT_I16, selrt_right_shift_i16_of(x, y));
