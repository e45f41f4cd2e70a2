## templates/care_team.html
