/* one_hot.f32: on where the index equals the depth position, off elsewhere (shared/movers.h) */
#include "../shared/movers.h"

SELRT_ONEHOT(one_hot, f32, float, SELRT_F32);
