/* log.f32: y = ln(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(log, logf(v));
