/* square.f32: y = x * x */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(square, v * v);
