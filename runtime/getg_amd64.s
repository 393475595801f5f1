#include "textflag.h"

// func thisG() gkey
TEXT ·thisG(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
