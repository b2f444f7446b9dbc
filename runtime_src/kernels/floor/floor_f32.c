/* floor.f32: y = floor(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(floor, floorf(v));
