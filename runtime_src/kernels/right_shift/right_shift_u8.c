/* right_shift.u8: elementwise x >> y, numpy broadcasting (shared/binary.h).
 * The count is clamped to 0..7 as LiteRT does (one past the width shifts by 7). */
#include "../shared/binary.h"

static inline uint8_t selrt_right_shift_u8_of(uint8_t x, uint8_t y) {
  const int c = y > 7 ? 7 : (int)y;
  return (uint8_t)(x >> c);
}

SELRT_BINARY(right_shift, u8, uint8_t, SELRT_U8, uint8_t, SELRT_U8, selrt_right_shift_u8_of(x, y));
