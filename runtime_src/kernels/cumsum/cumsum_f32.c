/* cumsum.f32: running float sum along the axis (shared/scan.h) */
#include "../shared/scan.h"

SELRT_CUMSUM(cumsum, f32, float, SELRT_F32, float);
