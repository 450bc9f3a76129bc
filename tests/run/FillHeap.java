// FillHeap: a Java program that fills its heap with objects (records with
// strings, arrays and links), sorts them, and prints a digest: the output
// depends only on N.
import java.security.MessageDigest;
import java.util.*;

public class FillHeap {
    static final class Rec {
        final int id; final String name; final long[] nums; Rec next;
        Rec(int id, String name, long[] nums) { this.id = id; this.name = name; this.nums = nums; }
    }
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400000;
        long seed = 42;
        ArrayList<Rec> all = new ArrayList<>();
        Rec prev = null;
        for (int i = 0; i < n; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            long[] nums = new long[8 + (i % 9)];
            for (int j = 0; j < nums.length; j++) nums[j] = seed ^ (j * 31L + i);
            Rec r = new Rec(i, "rec-" + Long.toHexString(seed >>> 20) + "-" + i, nums);
            r.next = prev; prev = r;
            all.add(r);
        }
        all.sort(Comparator.comparing((Rec r) -> r.name));
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Rec r : all) {
            md.update(r.name.getBytes("UTF-8"));
            md.update((byte) (r.nums[r.nums.length - 1] & 0xff));
            if (r.next != null) md.update((byte) (r.next.id & 0xff));
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : md.digest()) sb.append(String.format("%02x", b));
        System.out.println("FillHeap: " + n + " records, sha256 " + sb);
    }
}
