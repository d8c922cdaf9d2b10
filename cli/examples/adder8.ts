// The built-in example of `gatecot demo`: an 8-bit ripple-carry adder, written in .gc.

export const ADDER8_GC = `// 8-bit ripple-carry adder: s = a + b (s[8] is the carry out)
circuit adder8;
input a[8], b[8];
output s[9];

// bit 0: half adder
s[0] = a[0] ^ b[0];
c0 = a[0] & b[0];

// bits 1..7: full adders; p = propagate, g = generate
p1 = a[1] ^ b[1];  s[1] = p1 ^ c0;  c1 = (a[1] & b[1]) | (p1 & c0);
p2 = a[2] ^ b[2];  s[2] = p2 ^ c1;  c2 = (a[2] & b[2]) | (p2 & c1);
p3 = a[3] ^ b[3];  s[3] = p3 ^ c2;  c3 = (a[3] & b[3]) | (p3 & c2);
p4 = a[4] ^ b[4];  s[4] = p4 ^ c3;  c4 = (a[4] & b[4]) | (p4 & c3);
p5 = a[5] ^ b[5];  s[5] = p5 ^ c4;  c5 = (a[5] & b[5]) | (p5 & c4);
p6 = a[6] ^ b[6];  s[6] = p6 ^ c5;  c6 = (a[6] & b[6]) | (p6 & c5);
p7 = a[7] ^ b[7];  s[7] = p7 ^ c6;  s[8] = (a[7] & b[7]) | (p7 & c6);

test a=0x5b b=0x3c -> s=0x097;
test a=0xff b=0x01 -> s=0x100;
test a=0x00 b=0x00 -> s=0x000;
`;
