/* ceil.f32: y = ceil(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(ceil, ceilf(v));
