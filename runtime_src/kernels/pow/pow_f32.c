/* pow.f32: y = a ** b (powf) */
#include "../shared/binary.h"

#include <math.h>

SELRT_BINARY(pow, f32, float, SELRT_F32, float, SELRT_F32, powf(x, y));
