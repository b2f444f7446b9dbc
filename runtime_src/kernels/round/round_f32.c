/* round.f32: y = x rounded to the nearest integer, halves to even: rintf in the default
 * rounding mode, which no kernel changes */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(round, rintf(v));
