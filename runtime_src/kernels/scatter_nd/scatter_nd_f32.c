/* scatter_nd.f32: zeros plus the updates added at their index tuples, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_SCATTERND(scatter_nd, f32, float, SELRT_F32, float);
