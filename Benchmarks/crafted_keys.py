#!/usr/bin/env python3
"""TCP SYNs whose flow keys crowd one run of slots of edgeflow's flow table, as 37b2102 hashed
them (a fixed seed; Benchmarks/README.md, "Sixteenth session: start-up and crafted keys").

    python3 Benchmarks/crafted_keys.py COUNT FIRST_SLOTS OUT.pcap     (e.g. 100000 4096 /tmp/crafted.pcap)

Each SYN goes from a random source to 52.112.0.10:5061; a source is kept only when its key's
hash starts its probe in the first FIRST_SLOTS of 262,144 slots. Against a build that hashes
as 37b2102 did, each new flow then scans the cluster; a build that draws its seed per run
does not care. Later builds hash IPv4 keys otherwise, so this file records one measurement.
"""
import random, struct, sys
M=(1<<64)-1
def fold(x,y):
    p=(x&M)*(y&M); return ((p>>64)^p)&M
SEED=0x5EED_F10E_ED6E_F10F; C1=0x9E37_79B9_7F4A_7C15; C2=0xD6E8_FEB8_6659_FD93; C3=0xA076_1D64_78BD_642F; C4=0xE703_7ED1_A0B4_28DB
server=0x3470000A; sport=5061
blo=0x0000FFFF00000000|server
y=fold(0^C2, blo^SEED)
n=int(sys.argv[1]); mask=(1<<18)-1; lim=int(sys.argv[2])
out=open(sys.argv[3],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
rnd=random.Random(7); got=0; t=1700000000
def csum(b):
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
while got<n:
    src=rnd.randrange(0x01000000,0x34000000); p=rnd.randrange(1024,65536)
    alo=0x0000FFFF00000000|src
    x=fold(0^SEED, alo^C1)
    rest=((p<<16|sport)<<16)|(6<<8|4)
    h=fold(x^rest^C3, y^C4)^x^y
    if h&mask>=lim: continue
    got+=1
    ip=struct.pack('!BBHHHBBHII',0x45,0,40,got&0xffff,0,64,6,0,src,server)
    ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]
    tcp=struct.pack('!HHIIBBHHH',p,sport,got,0,0x50,0x02,65535,0,0)
    eth=b'\x00\x15\x5d\x01\x02\x03'+b'\x00\x15\x5d\x04\x05\x06'+b'\x08\x00'
    frame=eth+ip+tcp
    out.write(struct.pack('<IIII',t+got//1000,(got%1000)*1000,len(frame),len(frame))+frame)
out.close()
