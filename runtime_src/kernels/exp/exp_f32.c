/* exp.f32: y = e^x */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(exp, expf(v));
