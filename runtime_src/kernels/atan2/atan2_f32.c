/* atan2.f32: y = atan2(a, b), TFLite ATAN2(y, x) and torch.atan2 order */
#include "../shared/binary.h"

#include <math.h>

SELRT_BINARY(atan2, f32, float, SELRT_F32, float, SELRT_F32, atan2f(x, y));
