/* cos.f32: y = cos(x), x in radians */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(cos, cosf(v));
