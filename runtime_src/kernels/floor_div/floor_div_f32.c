/* floor_div.f32: y = floor(a / b) */
#include "../shared/binary.h"

#include <math.h>

SELRT_BINARY(floor_div, f32, float, SELRT_F32, float, SELRT_F32, floorf(x / y));
