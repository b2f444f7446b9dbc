/* tanh.f32: y = tanh(x) */
#include "../shared/elementwise.h"

#include <math.h>

SELRT_UNARY_F32(tanh, tanhf(v));
