/* floor_mod.f32: y = a - floor(a / b) * b, computed as fmodf (exact) moved
 * into the sign of b as TFLite and torch do */
#include "../shared/binary.h"

#include <math.h>

static inline float selrt_floor_mod_f32_of(float x, float y) {
  const float r = fmodf(x, y);
  return r != 0.0f && ((r < 0.0f) != (y < 0.0f)) ? r + y : r;
}

SELRT_BINARY(floor_mod, f32, float, SELRT_F32, float, SELRT_F32, selrt_floor_mod_f32_of(x, y));
