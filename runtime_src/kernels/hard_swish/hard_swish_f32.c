/* hard_swish.f32: y = x * relu6(x + 3) / 6 */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(hard_swish, v * (v <= -3.0f ? 0.0f : (v >= 3.0f ? 6.0f : v + 3.0f)) / 6.0f);
