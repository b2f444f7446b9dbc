/* relu.f32: y = max(x, 0) */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(relu, v < 0.0f ? 0.0f : v);
