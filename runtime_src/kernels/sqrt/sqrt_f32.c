/* sqrt.f32: y = sqrt(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(sqrt, sqrtf(v));
