/* rsqrt.f32: y = 1 / sqrt(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(rsqrt, 1.0f / sqrtf(v));
