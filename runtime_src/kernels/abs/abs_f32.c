/* abs.f32: y = |x| */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(abs, fabsf(v));
