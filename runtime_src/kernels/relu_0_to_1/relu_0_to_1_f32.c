/* relu_0_to_1.f32: elementwise min(max(x, 0), 1) (NaN stays NaN, as LiteRT) */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(relu_0_to_1, v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v));
