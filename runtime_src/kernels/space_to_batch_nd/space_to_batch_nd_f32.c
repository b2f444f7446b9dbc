/* space_to_batch_nd.f32: [B, H, W, C] (W = 1 for a 3-D input) zero-padded by
 * pad_top/pad_left before (the output shape gives the rest), cut into
 * block_h x block_w tiles that become batches:
 *   out[(i * block_w + j) * B + b, h, w, c] = in[b, h * block_h + i - pad_top, w * block_w + j - pad_left, c]
 * and 0 where that lies in the padding. run tests each source row and column
 * against the input, so no program can make it read outside. */
#include "../shared/movers.h"

SELRT_SPACE2BATCH(space_to_batch_nd, f32, float, SELRT_F32);
