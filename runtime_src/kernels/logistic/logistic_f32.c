/* logistic.f32: y = 1 / (1 + e^-x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(logistic, 1.0f / (1.0f + expf(-v)));
