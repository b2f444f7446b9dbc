/* neg.f32: y = -x */
#include "../shared/elementwise.h"

SELRT_UNARY_F32(neg, -v);
