"""What the committee's reports and exports are made of: plain records and pure rules."""
