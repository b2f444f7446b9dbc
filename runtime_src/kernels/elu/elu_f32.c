/* elu.f32: y = x < 0 ? e^x - 1 : x */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(elu, v < 0.0f ? expm1f(v) : v);
