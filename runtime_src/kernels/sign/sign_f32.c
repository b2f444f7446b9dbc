/* sign.f32: y = -1, 0 or 1 by the sign of x; zeros and NaN pass through, as in LiteRT
 * (torch.sign gives 0 for NaN; this one kernel serves both frontends) */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(sign, v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v);
