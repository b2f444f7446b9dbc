/* sin.f32: y = sin(x), x in radians */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(sin, sinf(v));
