/* batch_to_space_nd.f32: the inverse of space_to_batch_nd, with crops:
 *   out[b, y, x, c] = in[(i * block_w + j) * B + b, h, w, c]
 * where y + crop_top = h * block_h + i and x + crop_left = w * block_w + j
 * (B = output batches; W = 1 for 3-D tensors). check proves the cropped
 * window inside the assembled image, so h < H and w < W always. */
#include "../shared/movers.h"

SELRT_BATCH2SPACE(batch_to_space_nd, f32, float, SELRT_F32);
