/* relu_n1_to_1.f32: y = min(max(x, -1), 1) */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(relu_n1_to_1, v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v));
