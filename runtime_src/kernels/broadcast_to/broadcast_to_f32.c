/* broadcast_to.f32: numpy broadcast of the input to the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(broadcast_to, f32, float, SELRT_F32);
