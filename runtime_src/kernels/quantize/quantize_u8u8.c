/* quantize.u8u8: QUANTIZE from uint8 to uint8 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, u8u8, uint8_t, SELRT_U8, 0, 255, uint8_t, SELRT_U8, 0, 255);
