/* relu6.f32: y = min(max(x, 0), 6) */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(relu6, v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v));
